#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids	community_id
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]	string
1795388815.541499	CAigjXgQPNDc5MOicP	127.0.0.1	52336	127.0.0.1	25	1	client.example.test	alice@example.test	root@example.test	Sun, 22 Nov 2026 23:06:55 +0000	alice@example.test	root@example.test	-	-	<20261122230655.015540@vm>	-	to Exim	-	-	-	250 OK id=1xVGe7-00042f-1l	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:MPNeeyXv6nkGtTEz1lmnRHtfmrk=
1795388815.839862	CZ2criT3J5Vsi0bzHP	127.0.0.1	52342	127.0.0.1	25	1	client.example.test	alice@example.test	root@example.test,alice@example.test	Sun, 22 Nov 2026 23:06:55 +0000	alice@example.test	root@example.test,alice@example.test	-	-	<20261122230655.015545@vm>	-	test Sun, 22 Nov 2026 23:06:55 +0000	-	-	-	250 OK id=1xVGe7-00042k-2j	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:2Gt0ICsCux2FnFQdNEAcFNKe2S8=
1795388816.134449	CSvTF1kIkXbu4c3xEn	127.0.0.1	52356	127.0.0.1	25	1	client.example.test	alice@example.test	nosuch@example.test	-	-	-	-	-	-	-	-	-	-	-	221 mx.example.test closing connection	127.0.0.1,127.0.0.1	-	F	(empty)	1:ufOtcieyPmusBNSxpn7+Kr5kB0w=
1795388816.421583	CPyBjIDi9Nav1t0Cqv	127.0.0.1	52358	127.0.0.1	25	1	client.example.test	alice@example.test	nosuch@example.test,root@example.test	Sun, 22 Nov 2026 23:06:56 +0000	alice@example.test	nosuch@example.test,root@example.test	-	-	<20261122230656.015553@vm>	-	test Sun, 22 Nov 2026 23:06:56 +0000	-	-	-	250 OK id=1xVGe8-00042s-1N	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:Rk6tbZeZ6JmVVda9BPE1dO1nvT8=
1795388816.716296	CD5sTCaLy1QX0sEmLS	127.0.0.1	52366	127.0.0.1	25	1	client.example.test	alice@example.test	grey@example.test	-	-	-	-	-	-	-	-	-	-	-	221 mx.example.test closing connection	127.0.0.1,127.0.0.1	-	F	(empty)	1:/7wH8jOfTHPpxqtqP2s/jDDNwyw=
1795388817.005466	CNgukoZdDtVgqA4a1V	127.0.0.1	52370	127.0.0.1	25	1	client.example.test	alice@example.test	grey@example.test,alice@example.test	Sun, 22 Nov 2026 23:06:56 +0000	alice@example.test	grey@example.test,alice@example.test	-	-	<20261122230656.015561@vm>	-	test Sun, 22 Nov 2026 23:06:56 +0000	-	-	-	250 OK id=1xVGe9-000430-02	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:rZ4MUrVBF7HFjXEmBS4QHSY6oW0=
1795388817.305579	CT4JLIQRqwCzEpGRed	127.0.0.1	52372	127.0.0.1	25	1	client.example.test	alice@example.test	bob@elsewhere.test	-	-	-	-	-	-	-	-	-	-	-	221 mx.example.test closing connection	127.0.0.1,127.0.0.1	-	F	(empty)	1:33az9CSfFrOfZKfQZLzKZXU8/1s=
#close	XXXX-XX-XX-XX-XX-XX
