#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]
1796578817.002315	CtH5GO0eN4Uy2SO5Sy	127.0.0.1	53684	127.0.0.2	2525	1	client.example.test	alice@example.org	alice@example.test,bob@example.test	Sun, 06 Dec 2026 17:40:16 +0000	alice@example.org	alice@example.test,bob@example.test	-	-	<20261206174016.029231@vm>	-	on 2525	-	-	-	250 2.0.0 Ok: queued as 15986B2E261	127.0.0.2,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)
1796578817.346174	CN80epFAzbKKnC3Boc	127.0.0.1	47488	127.0.0.2	10025	1	client.example.test	bob@example.org	carol@example.test,nobody@example.test,alice@example.test	Sun, 06 Dec 2026 17:40:17 +0000	bob@example.org	carol@example.test,nobody@example.test,alice@example.test	-	-	<20261206174017.029255@vm>	-	on 10025	-	-	-	250 2.0.0 Ok: queued as 5853AB2E263	127.0.0.2,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)
1796578817.540481	CqCzFTBsbQBlfo75tA	127.0.0.9	54431	127.0.0.2	2525	1	client.example.test	carol@example.org	bob@example.test	Sun, 06 Dec 2026 17:40:17 +0000	carol@example.org	bob@example.test	-	-	<20261206174017.029317@vm>	-	through the tunnel	-	-	-	250 2.0.0 Ok: queued as 89537B2E263	127.0.0.2,127.0.0.9	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)
1796578817.545929	CgUffEPyNeFraF8I0Y	127.0.0.1	46946	127.0.0.9	8888	1	client.example.test	carol@example.org	bob@example.test	Sun, 06 Dec 2026 17:40:17 +0000	carol@example.org	bob@example.test	-	-	<20261206174017.029317@vm>	-	through the tunnel	-	-	-	250 2.0.0 Ok: queued as 89537B2E263	127.0.0.9,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)
1796578817.745166	CpvHmfaUCVmqn2LvUl	127.0.0.1	47494	127.0.0.2	10025	1	client.example.test	alice@example.org	carol@example.test	Sun, 06 Dec 2026 17:40:17 +0000	alice@example.org	carol@example.test	-	-	<20261206174017.029347@vm>	-	on 10025 again	-	-	-	250 2.0.0 Ok: queued as B9002B2E263	127.0.0.2,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)
#close	XXXX-XX-XX-XX-XX-XX
