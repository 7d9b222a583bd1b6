#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids	community_id
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]	string
1796579537.949540	Cs7PYRJ8ZEL2Tr48RY	127.0.0.1	47694	127.0.0.2	2525	1	client.example.test	alice@example.org	alice@example.test,bob@example.test	Sun, 06 Dec 2026 17:52:17 +0000	alice@example.org	alice@example.test,bob@example.test	-	-	<20261206175217.023983@vm>	-	on 2525	-	-	-	250 2.0.0 Ok: queued as 0880BB52238	127.0.0.2,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:Qk6RO+XLzGRwtds+Mi71I9SLQ7k=
1796579538.178798	CMXIuWUVADHGIa2MEu	127.0.0.1	48440	127.0.0.2	10025	1	client.example.test	bob@example.org	carol@example.test,nobody@example.test,alice@example.test	Sun, 06 Dec 2026 17:52:18 +0000	bob@example.org	carol@example.test,nobody@example.test,alice@example.test	-	-	<20261206175218.024056@vm>	-	on 10025	-	-	-	250 2.0.0 Ok: queued as 2DECBB5223A	127.0.0.2,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:Q/ilvpHhqIRwwbvjTrWM6eGviH0=
1796579538.466026	Cn4WNW96j9xP3WUujp	127.0.0.9	41009	127.0.0.2	2525	1	client.example.test	carol@example.org	bob@example.test	Sun, 06 Dec 2026 17:52:18 +0000	carol@example.org	bob@example.test	-	-	<20261206175218.024114@vm>	-	through the tunnel	-	-	-	250 2.0.0 Ok: queued as 72DC1B5223A	127.0.0.2,127.0.0.9	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:gYvuJxHMUbsC3c1zT+opwZJuGu0=
1796579538.468887	COAkSc4UR94lYA4yJR	127.0.0.1	55744	127.0.0.9	8888	1	client.example.test	carol@example.org	bob@example.test	Sun, 06 Dec 2026 17:52:18 +0000	carol@example.org	bob@example.test	-	-	<20261206175218.024114@vm>	-	through the tunnel	-	-	-	250 2.0.0 Ok: queued as 72DC1B5223A	127.0.0.9,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:TaL7Wptuin/U9GMlEkfd2TYx9jA=
1796579538.736048	C2xkm65a1tR2jSeqmK	127.0.0.1	48448	127.0.0.2	10025	1	client.example.test	alice@example.org	carol@example.test	Sun, 06 Dec 2026 17:52:18 +0000	alice@example.org	carol@example.test	-	-	<20261206175218.024183@vm>	-	on 10025 again	-	-	-	250 2.0.0 Ok: queued as B6FD9B5223A	127.0.0.2,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)	1:IMTvvdh4HOItkcS05mLhhO/P9fw=
#close	XXXX-XX-XX-XX-XX-XX
